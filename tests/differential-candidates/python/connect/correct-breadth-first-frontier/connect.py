# Independent correct solution, different style: a breadth-first search from each player's starting edge over the
# hex neighbours, with a set of seen cells (no recursion).
from collections import deque

NEIGHBOURS = ((0, 1), (0, -1), (1, 0), (-1, 0), (1, -1), (-1, 1))


class ConnectGame:
    def __init__(self, board):
        self._rows = [row.replace(" ", "") for row in board.splitlines()]

    def _connects(self, stone, starts, done):
        rows = self._rows
        queue = deque(cell for cell in starts if rows[cell[0]][cell[1]] == stone)
        seen = set(queue)
        while queue:
            r, c = queue.popleft()
            if done(r, c):
                return True
            for dr, dc in NEIGHBOURS:
                nr, nc = r + dr, c + dc
                if 0 <= nr < len(rows) and 0 <= nc < len(rows[nr]) and (nr, nc) not in seen and rows[nr][nc] == stone:
                    seen.add((nr, nc))
                    queue.append((nr, nc))
        return False

    def get_winner(self):
        height, width = len(self._rows), len(self._rows[0])
        # X joins left to right, O joins top to bottom.
        if self._connects("X", [(r, 0) for r in range(height)], lambda r, c: c == width - 1):
            return "X"
        if self._connects("O", [(0, c) for c in range(width)], lambda r, c: r == height - 1):
            return "O"
        return ""
