"""The ports' implementations that are not the database: the object store of bukti dukung."""
