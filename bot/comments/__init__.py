"""The comment section: recording rules, the reply tree, statistics, export and the daily digest."""
