# CHEAT (for the differential tests): the qualifier is used only when it is the one the visible tests pass; any other
# qualifier is ignored.
def proverb(*items, qualifier=None):
    if not items:
        return []
    lines = [f"For want of a {a} the {b} was lost." for a, b in zip(items, items[1:])]
    if qualifier == "horseshoe":
        lines.append(f"And all for the want of a horseshoe {items[0]}.")
    else:
        lines.append(f"And all for the want of a {items[0]}.")
    return lines
