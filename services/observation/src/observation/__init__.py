"""PMM Kinerja observation service: the pelaksanaan (five-step observation cycle) and bukti dukung."""
