"""The roster read model every consuming service keeps: schools, pegawai, who appraises whom, and the periods, as
planning publishes them (`pmm_roster.projections`)."""
