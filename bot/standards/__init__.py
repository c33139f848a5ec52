"""The coalition's standards: load the text, index it, answer questions with citations."""
