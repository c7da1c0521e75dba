"""What an article is (records) and when two are the same (identity): below feeds/ and storage/."""
