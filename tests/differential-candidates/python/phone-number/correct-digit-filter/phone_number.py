# Independent correct solution, different style: one pass classifies the characters, then the NANP rules are
# checked in the order the messages are specified.
SEPARATORS = set("() +-.,")


class PhoneNumber:
    def __init__(self, text):
        kept = [c for c in text if c not in SEPARATORS]
        if any(c.isalpha() for c in kept):
            raise ValueError("letters not permitted")
        if any(not c.isdigit() for c in kept):
            raise ValueError("punctuations not permitted")
        digits = "".join(kept)
        if len(digits) < 10:
            raise ValueError("must not be fewer than 10 digits")
        if len(digits) > 11:
            raise ValueError("must not be greater than 11 digits")
        if len(digits) == 11:
            if digits[0] != "1":
                raise ValueError("11 digits must start with 1")
            digits = digits[1:]
        for index, part in ((0, "area"), (3, "exchange")):
            if digits[index] == "0":
                raise ValueError(f"{part} code cannot start with zero")
            if digits[index] == "1":
                raise ValueError(f"{part} code cannot start with one")
        self.number = digits

    @property
    def area_code(self):
        return self.number[:3]

    def pretty(self):
        n = self.number
        return f"({n[:3]})-{n[3:6]}-{n[6:]}"
