"""Words the simulator writes or refuses: template lyrics, titles, tag upsampling, moderation."""

from __future__ import annotations

import re

import numpy as np

from simulator.music import seed_of

_STOP = {"a", "an", "the", "about", "of", "with", "and", "song", "track", "for", "in", "on", "my"}
_IMAGES = ("light", "night", "rain", "road", "heart", "fire", "sky", "river", "city", "dream")
_VERBS = ("carry", "follow", "hold", "chase", "remember", "leave", "find", "sing")

# A small stand-in for the vendor's moderation: artist names and well-known lyrics.
ARTISTS = ("taylor swift", "drake", "beyonce", "ed sheeran", "the beatles", "eminem")
COPYRIGHTED = ("is this the real life", "hello from the other side", "never gonna give you up")


def _keywords(description: str) -> list[str]:
    words = [w for w in re.findall(r"[a-zA-Z'-]+", description.lower()) if w not in _STOP]
    return words or ["music"]


def title_for(description: str, salt: object = "") -> str:
    rng = np.random.default_rng(seed_of("title", description, salt))
    words = _keywords(description)
    return (
        f"{words[int(rng.integers(len(words)))].title()} {_IMAGES[int(rng.integers(10))].title()}"
    )


def lyrics_for(description: str, salt: object = "") -> str:
    """Template lyrics that use the description's own words, in the vendor's section tags."""
    rng = np.random.default_rng(seed_of("lyrics", description, salt))
    words = _keywords(description)

    def line() -> str:
        word = words[int(rng.integers(len(words)))]
        verb = _VERBS[int(rng.integers(len(_VERBS)))]
        image = _IMAGES[int(rng.integers(len(_IMAGES)))]
        return f"I {verb} the {word} into the {image}"

    verse = "\n".join(line() for _ in range(4))
    chorus = "\n".join(line() for _ in range(2))
    verse2 = "\n".join(line() for _ in range(4))
    sections = [f"[Verse]\n{verse}", f"[Chorus]\n{chorus}\n{chorus}", f"[Verse 2]\n{verse2}"]
    return "\n\n".join([*sections, f"[Chorus]\n{chorus}"])


INSTRUMENTAL_LYRICS = "[Instrumental]"

_MORE_TAGS = {
    "lo-fi": "mellow, vinyl crackle, jazzy chords, laid-back drums",
    "pop": "catchy hooks, bright synths, punchy drums, radio-ready",
    "rock": "driving guitars, live drums, energetic, anthemic",
    "jazz": "swing, upright bass, brushed drums, extended chords",
    "edm": "four-on-the-floor, big drops, sidechained synths, festival",
    "ambient": "atmospheric pads, slow evolving textures, spacious reverb",
    "hip hop": "boom bap, deep bass, crisp snares, sampled loops",
}


def upsample_tags(tags: str) -> str:
    extra = [more for key, more in _MORE_TAGS.items() if key in tags.lower()]
    return ", ".join([tags.strip(), *extra, "polished mix, clear arrangement"])


def lyric_words(lyrics: str) -> list[str]:
    """The sung words: lyrics without section tags such as [Verse]."""
    return re.findall(r"[^\s\[\]]+", re.sub(r"\[[^\]]*\]", " ", lyrics))


def artist_named(text: str) -> str | None:
    lowered = text.lower()
    return next((name for name in ARTISTS if name in lowered), None)


def copyrighted_fragment(text: str) -> str | None:
    lowered = text.lower()
    return next((line for line in COPYRIGHTED if line in lowered), None)
