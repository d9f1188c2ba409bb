"""The snapshot's records that both sources write: one typed shape and one builder each."""
