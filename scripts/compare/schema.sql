-- Tables of the comparison benchmark (scripts/compare-postgres.sh), loaded
-- with COPY from the CSV files of scripts/compare/export; then index.sql.
CREATE TABLE rooms (
	name     text PRIMARY KEY,
	type     text NOT NULL,
	capacity int,
	lat      float8,
	lon      float8
);

-- One row per occurrence per available room; during is '[start,end)' in
-- campus wall-clock time, as the API writes it.
CREATE TABLE bookings (
	room   text NOT NULL REFERENCES rooms,
	during tsrange NOT NULL
);
