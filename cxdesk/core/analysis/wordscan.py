"""Finding listed words in text with the regex engine: one compiled pattern per word list.

The topic words and the implied-topic words are matched longest first, at every position where one
starts. A list is compiled once into a pattern shaped like a trie (`服务(?:员|态度)?`): `search` skips
in C to the next position where a listed word starts, follows the characters of the text down the
trie and, by trying a longer word before a shorter one, returns the longest listed word there.
(The clause word list keeps its scan in Python, `clauses._tokens`: it must also hand out every
unknown character, and measured faster so.)
"""

from __future__ import annotations

import re
from typing import Iterable

_END = ""   # marks, in a trie node, that a word ends there


def trie_pattern(words: Iterable[str]) -> str:
    """Regex source that matches, at a position, the longest of `words` starting there.

    Empty words are left out; an empty list gives a pattern that never matches.
    """
    trie: dict = {}
    for word in words:
        if not word:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[_END] = True
    if not trie:
        return "(?!)"
    return "(?:" + _node_pattern(trie) + ")"


def _node_pattern(node: dict) -> str:
    """The words below `node`; the caller makes it optional when a word also ends at `node`."""
    leaves = sorted(ch for ch, sub in node.items() if ch != _END and len(sub) == 1 and _END in sub)
    branches = [re.escape(ch) + _child(sub) for ch, sub in sorted(node.items())
                if ch != _END and not (len(sub) == 1 and _END in sub)]
    if leaves:
        branches.append(re.escape(leaves[0]) if len(leaves) == 1
                        else "[" + "".join(re.escape(ch) for ch in leaves) + "]")
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _child(node: dict) -> str:
    """What may follow the character that leads to `node`: longer words first, then (if a word
    ends here) nothing. Greedy `?` tries the longer words first and backtracks to the shorter."""
    if set(node) == {_END}:
        return ""
    body = _node_pattern(node)
    return f"(?:{body})?" if _END in node else body


def longest_words(words: Iterable[str]) -> re.Pattern:
    """`trie_pattern(words)`, compiled. `search` skips in C to the next position where a word starts
    (the pattern begins with the set of first characters) and returns the longest word there."""
    return re.compile(trie_pattern(words))


def every_start(pattern: re.Pattern, text: str) -> list[tuple[int, str]]:
    """(position, longest word there) for every position of `text` where one of the pattern's words
    starts, also inside another word (`服务员` gives 服务员 at 0 and, if listed, 务员 at 1)."""
    out: list[tuple[int, str]] = []
    search = pattern.search
    m = search(text)
    while m is not None:
        out.append((m.start(), m.group()))
        m = search(text, m.start() + 1)
    return out


__all__ = ["trie_pattern", "longest_words", "every_start"]
