package bookstore

import (
	"fmt"
	"sort"
)

// An independent solution: the price depends only on how many copies of each title there are, so search over the
// count vector (sorted, largest first), memoised; every group takes one copy of each of the k most frequent titles.
var groupPrice = [...]int{0, 800, 2 * 800 * 95 / 100, 3 * 800 * 90 / 100, 4 * 800 * 80 / 100, 5 * 800 * 75 / 100}

// Cost is the cheapest price of the basket in cents.
func Cost(books []int) int {
	byTitle := map[int]int{}
	for _, b := range books {
		byTitle[b]++
	}
	counts := make([]int, 0, len(byTitle))
	for _, c := range byTitle {
		counts = append(counts, c)
	}
	return cheapest(counts, map[string]int{})
}

func cheapest(counts []int, memo map[string]int) int {
	sort.Sort(sort.Reverse(sort.IntSlice(counts)))
	for len(counts) > 0 && counts[len(counts)-1] == 0 {
		counts = counts[:len(counts)-1]
	}
	if len(counts) == 0 {
		return 0
	}
	key := fmt.Sprint(counts)
	if v, ok := memo[key]; ok {
		return v
	}
	best := -1
	for k := 1; k <= len(counts) && k < len(groupPrice); k++ {
		next := append([]int(nil), counts...)
		for i := 0; i < k; i++ {
			next[i]--
		}
		if price := groupPrice[k] + cheapest(next, memo); best < 0 || price < best {
			best = price
		}
	}
	memo[key] = best
	return best
}
