"""The pure domain of Innspill: the interview, its texts, languages, digests and themes.

Nothing here performs I/O, reads the clock or draws random numbers: time arrives inside events
and content arrives as values. ``bot`` drives these functions; ``storage`` keeps their results.
"""
