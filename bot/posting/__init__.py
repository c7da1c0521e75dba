"""Story posts: turning articles into Discord-ready plain data, and the posting rules."""
