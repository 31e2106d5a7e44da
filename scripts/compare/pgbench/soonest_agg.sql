-- pgbench script: find_soonest_bookings at a random on-grid time (the
-- variables and the choice of time are those of free.sql), merging the
-- bookings at query time (range_agg).
\set d random(0, :days1 + :days2 - 1)
\set day case when :d < :days1 then :off1 + :d else :off2 + :d - :days1 end
\set s0 :day * 96 + random(28, 75)
SELECT * FROM soonest_agg(slot_time(:s0));
