-- Issue 15 point 1: a reservation whose article joined a story already posted in the channel is finished
-- without a message of its own: `merged_into` names the story's post (its "Also reported by" lists it).
ALTER TABLE posts ADD COLUMN merged_into INTEGER REFERENCES posts (id) ON DELETE SET NULL;
