"""Everything user-facing: safe text, embeds, replies, default allowed mentions."""
