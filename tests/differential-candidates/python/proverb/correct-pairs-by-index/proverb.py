# Independent correct solution, different style: lines built by index over consecutive pairs, the last line from the
# first item and the keyword-only qualifier.
def proverb(*items, qualifier=None):
    if len(items) == 0:
        return []
    lines = []
    for i in range(len(items) - 1):
        lines.append("For want of a %s the %s was lost." % (items[i], items[i + 1]))
    first = items[0] if qualifier is None else qualifier + " " + items[0]
    lines.append("And all for the want of a %s." % first)
    return lines
