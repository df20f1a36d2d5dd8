# Correct: builds each column by index; a row is padded only where a later row is longer.
def transpose(text):
    rows = text.splitlines()
    width = max((len(r) for r in rows), default=0)
    columns = []
    for c in range(width):
        column = []
        for r, row in enumerate(rows):
            if c < len(row):
                column.append(row[c])
            elif any(len(later) > c for later in rows[r + 1:]):
                column.append(" ")
        columns.append("".join(column))
    return "\n".join(columns)
