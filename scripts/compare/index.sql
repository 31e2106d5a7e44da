-- Indexes, the merged-blocks table and the two searches as SQL functions,
-- run by scripts/compare-postgres.sh after COPY. The pgbench scripts and
-- the cross-check call these same functions.

-- find_free_rooms asks "which bookings overlap this time window", for all
-- rooms at once: a GiST index on during alone answers it with one index
-- scan (during && selection) and an anti-join on room. A composite GiST
-- (room, during) (with the btree_gist extension) was measured too: the
-- planner still scans
-- it by during alone, and the room column in front makes that scan about
-- ten times slower (0.7 ms instead of 0.06 ms on the sample), so during
-- alone it is. The btree on (room, lower(during)) answers free_until, "the
-- room's next booking starting at or after the selection's end", with one
-- index probe per free room.
CREATE INDEX bookings_during ON bookings USING gist (during);
CREATE INDEX bookings_room_lower ON bookings (room, lower(during));

-- The API rounds bookings and queries outward to 15-minute slots (see
-- README: "a room reported free is never occupied"). The functions below
-- do the same, so that their answers are the API's for any booking and
-- any query time; with bookings and queries on 15-minute steps the rounding
-- changes nothing. Slots are counted from 1970-01-01 00:00 wall-clock
-- time, as the sidecar counts them.
CREATE FUNCTION slot_time(n bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN timestamp 'epoch' + n * interval '15 minutes';

CREATE FUNCTION slot_floor(t timestamp) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_bin('15 minutes', t, timestamp 'epoch');

CREATE FUNCTION slot_ceil(t timestamp) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_bin('15 minutes', t + interval '15 minutes' - interval '1 microsecond', timestamp 'epoch');

-- slot_round widens a range outward to whole slots.
CREATE FUNCTION slot_round(r tsrange) RETURNS tsrange
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN tsrange(slot_floor(lower(r)), slot_ceil(upper(r)));

-- slot_round widens every range of a selection outward to whole slots.
CREATE FUNCTION slot_round(m tsmultirange) RETURNS tsmultirange
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT coalesce(range_agg(slot_round(r)), '{}') FROM unnest(m) r);

-- Blocks of merged bookings, each booking widened to whole slots first,
-- as the sidecar's bitmaps hold them. A release never changes once loaded
-- (the sidecar's snapshot is built ahead too), so they are materialized
-- once: range_agg merges touching and overlapping ranges into a
-- multirange, unnest gives its ranges, and a btree on (room,
-- upper(during)) finds the first block ending after t with one probe per
-- room. soonest_agg below merges on the fly instead, as a baseline: it
-- reads every booking of every room per query.
CREATE TABLE blocks AS
	SELECT room, unnest(range_agg(slot_round(during))) AS during FROM bookings GROUP BY room;
CREATE INDEX blocks_room_upper ON blocks (room, upper(during));

ANALYZE;

-- free_rooms: rooms with no booking overlapping any range of sel (&& is
-- half-open: touching is free), with free_until, the start of the slot of
-- the first booking at or after the selection's end (null when none), by
-- name. With the selection on whole slots, a booking overlaps it exactly
-- when its widened range does. (A booking starting before the end and
-- ending after it overlaps the selection, so a free room's next booking
-- starts at or after the end.) The CTE rounds the selection once per
-- query, not once per room, when the statement is prepared.
CREATE FUNCTION free_rooms(sel tsmultirange)
RETURNS TABLE (name text, free_until timestamp)
LANGUAGE sql STABLE AS $$
	WITH q AS MATERIALIZED (SELECT slot_round(sel) AS s)
	SELECT r.name,
		slot_floor((SELECT min(lower(b.during)) FROM bookings b
			WHERE b.room = r.name AND lower(b.during) >= (SELECT upper(s) FROM q)))
	FROM rooms r
	WHERE NOT EXISTS (SELECT 1 FROM bookings b WHERE b.room = r.name AND b.during && (SELECT s FROM q))
	ORDER BY r.name
$$;

-- soonest_blocks: for every room by name, the first block ending after t
-- (nulls when none), from the materialized blocks.
CREATE FUNCTION soonest_blocks(t timestamp)
RETURNS TABLE (name text, block_start timestamp, block_end timestamp)
LANGUAGE sql STABLE AS $$
	SELECT r.name, lower(f.during), upper(f.during)
	FROM rooms r LEFT JOIN LATERAL (
		SELECT k.during FROM blocks k
		WHERE k.room = r.name AND upper(k.during) > t
		ORDER BY upper(k.during) LIMIT 1) f ON true
	ORDER BY r.name
$$;

-- soonest_agg: the same answer, merging each room's widened bookings with
-- range_agg at query time and taking the multirange's first range whose
-- upper bound is after t.
CREATE FUNCTION soonest_agg(t timestamp)
RETURNS TABLE (name text, block_start timestamp, block_end timestamp)
LANGUAGE sql STABLE AS $$
	SELECT r.name, lower(f.m), upper(f.m)
	FROM rooms r LEFT JOIN LATERAL (
		SELECT m FROM unnest((SELECT range_agg(slot_round(b.during)) FROM bookings b
			WHERE b.room = r.name)) m
		WHERE upper(m) > t
		ORDER BY lower(m) LIMIT 1) f ON true
	ORDER BY r.name
$$;
