"""The documents a district asks for: the acceptance self-evaluation report (PDF, DOCX), the
annual report (PDF) and Excel workbooks, in Chinese and English from the same data."""
