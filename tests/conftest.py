"""Shared pytest fixtures. Emulator + bot fixtures live in tests/emulator_fixtures.py."""

from tests.emulator_fixtures import bot_runner, emulator

__all__ = ["bot_runner", "emulator"]
