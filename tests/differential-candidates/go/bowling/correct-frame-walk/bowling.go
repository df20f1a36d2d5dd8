// Package bowling scores a game by walking the frames over the list of rolls (a different style from the reference,
// which keeps frame counters as it goes).
package bowling

import "errors"

// Game is the list of rolls so far and where the current frame stands.
type Game struct {
	rolls []int
	frame int   // completed frames, 0..10
	open  []int // pins of the rolls of the frame being played
}

// NewGame starts a game with no rolls.
func NewGame() *Game { return &Game{} }

// Roll records pins knocked down, or says why the roll cannot happen.
func (g *Game) Roll(pins int) error {
	if pins < 0 {
		return errors.New("negative roll is invalid")
	}
	if pins > 10 {
		return errors.New("pin count exceeds pins on the lane")
	}
	if g.frame == 10 {
		return errors.New("cannot roll after game is over")
	}
	if g.frame < 9 {
		if len(g.open) == 1 && g.open[0]+pins > 10 {
			return errors.New("pin count exceeds pins on the lane")
		}
		g.rolls = append(g.rolls, pins)
		g.open = append(g.open, pins)
		if pins == 10 || len(g.open) == 2 {
			g.frame++
			g.open = nil
		}
		return nil
	}
	// The tenth frame: up to three rolls; pins are reset after a strike or a spare.
	standing := 10
	for _, p := range g.open {
		standing -= p
		if standing == 0 {
			standing = 10
		}
	}
	if pins > standing {
		return errors.New("pin count exceeds pins on the lane")
	}
	g.rolls = append(g.rolls, pins)
	g.open = append(g.open, pins)
	if len(g.open) == 3 || (len(g.open) == 2 && g.open[0]+g.open[1] < 10) {
		g.frame = 10
	}
	return nil
}

// Score is the total of a finished game.
func (g *Game) Score() (int, error) {
	if g.frame < 10 {
		return 0, errors.New("score cannot be taken until the end of the game")
	}
	total, i := 0, 0
	for f := 0; f < 10; f++ {
		switch {
		case g.rolls[i] == 10:
			total += 10 + g.rolls[i+1] + g.rolls[i+2]
			i++
		case g.rolls[i]+g.rolls[i+1] == 10:
			total += 10 + g.rolls[i+2]
			i += 2
		default:
			total += g.rolls[i] + g.rolls[i+1]
			i += 2
		}
	}
	return total, nil
}
