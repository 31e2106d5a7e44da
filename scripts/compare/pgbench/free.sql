-- pgbench script: find_free_rooms at a random on-grid time. Variables from
-- pgbench -D: off1, days1, off2, days2 (each semester's first day, in days
-- since 1970-01-01, and its number of days). A random day of either
-- semester, a start between 07:00 and 18:45, then 1 to 3 one-hour ranges
-- two hours apart; unused ranges are empty (start = end) and drop out of
-- the multirange. The same choice as wrk.lua.
\set d random(0, :days1 + :days2 - 1)
\set day case when :d < :days1 then :off1 + :d else :off2 + :d - :days1 end
\set s0 :day * 96 + random(28, 75)
\set n random(1, 3)
\set s1 :s0 + 8
\set s2 :s0 + 16
\set e1 case when :n >= 2 then :s1 + 4 else :s1 end
\set e2 case when :n >= 3 then :s2 + 4 else :s2 end
SELECT * FROM free_rooms(tsmultirange(tsrange(slot_time(:s0), slot_time(:s0 + 4)), tsrange(slot_time(:s1), slot_time(:e1)), tsrange(slot_time(:s2), slot_time(:e2))));
