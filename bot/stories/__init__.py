"""Story clustering: whether an incoming article reports a story already posted in a channel.

Domain only (no Discord, no SQL). The publisher keeps one `StoryIndex` per channel and calls
`index.assign(StoryArticle(...))` for each article it is about to post: `None` means "a new story: post it",
a `StoryMatch` names the story (the id of the article that opened it) to add this source to.
"""

from bot.stories.index import DEFAULT_WINDOW_SECONDS, MatchParams, StoryArticle, StoryIndex, StoryMatch

__all__ = ["DEFAULT_WINDOW_SECONDS", "MatchParams", "StoryArticle", "StoryIndex", "StoryMatch"]
