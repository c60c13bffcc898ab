"""PMM Kinerja appraisal service: the atasan's ratings, the predikat and the angka kredit."""
