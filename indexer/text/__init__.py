"""Text analysis: how Vietnamese text becomes tokens.

``normalize`` (Unicode form, tone placement, folding) and ``analysis`` (pyvi once per text,
syllable and word streams) are the only place text becomes tokens: indexing, querying and
highlighting all go through them.
"""
