# Independent correct solution, different style: the state is the set of revealed letters and a failure
# counter; the masked word and the status are derived on demand through properties.
STATUS_WIN = "win"
STATUS_LOSE = "lose"
STATUS_ONGOING = "ongoing"

ALLOWED_FAILURES = 9


class Hangman:
    def __init__(self, word):
        self._word = word
        self._revealed = set()
        self._failures = 0

    @property
    def remaining_guesses(self):
        return ALLOWED_FAILURES - self._failures

    @property
    def status(self):
        if all(letter in self._revealed for letter in self._word):
            return STATUS_WIN
        if self.remaining_guesses < 0:
            return STATUS_LOSE
        return STATUS_ONGOING

    def guess(self, char):
        if self.status != STATUS_ONGOING:
            raise ValueError("The game has already ended.")
        # A letter already revealed, or one not in the word, costs a guess.
        if char in self._revealed or char not in self._word:
            self._failures += 1
        else:
            self._revealed.add(char)

    def get_masked_word(self):
        return "".join(letter if letter in self._revealed else "_" for letter in self._word)

    def get_status(self):
        return self.status
