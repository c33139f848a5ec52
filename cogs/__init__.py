"""One discord.py Cog per feature; each module ends with `async def setup(bot)`."""
