-- Issue 18 point 3: feed workers sharing one database claim due feeds with a lease, so each feed is fetched
-- once cluster-wide. `lease_until` (unix seconds) is when the claim lapses: a worker killed mid-poll never
-- releases it, and another worker takes the feed over once it has passed. `lease_owner` names the worker.
ALTER TABLE feeds ADD COLUMN lease_until REAL;
ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
