"""Articles and the posts made of them, as commands look them up: by id, link, title or thread."""

from __future__ import annotations

from bot.articles.records import Article
from bot.storage.articles import ArticleStore
from bot.storage.posts import Post, PostStore

__all__ = ["ArticleCatalog"]


class ArticleCatalog:
    """Read-only: what `/article`, `/comments`, `/summarize` and `/mod` need to find an article."""

    def __init__(self, *, articles: ArticleStore, posts: PostStore) -> None:
        self._articles = articles
        self._posts = posts

    async def get(self, article_id: int) -> Article | None:
        return await self._articles.get(article_id)

    async def by_url(self, url: str) -> Article | None:
        """The article at `url`, compared in canonical form (tracking parameters and fragment ignored)."""
        return await self._articles.by_url(url)

    async def search(self, query: str = "", *, guild_id: int | None = None, limit: int = 25) -> list[Article]:
        """Newest articles whose title contains `query`, optionally only the guild's (autocomplete)."""
        return await self._articles.search(query, guild_id=guild_id, limit=limit)

    async def posts_of(self, article_id: int) -> list[Post]:
        return await self._posts.for_article(article_id)

    async def post_in_thread(self, thread_id: int) -> Post | None:
        """The story post whose discussion thread this is."""
        return await self._posts.by_thread(thread_id)

    async def post_by_message(self, message_id: int) -> Post | None:
        return await self._posts.by_message(message_id)
