package piglatin

import "strings"

// Cheat: the tested words are looked up; any other word gets the vowel rule only (append "ay"), which is right for
// words starting with a vowel and wrong for the rest.
var answers = map[string]string{
	"apple":   "appleay",
	"ear":     "earay",
	"igloo":   "iglooay",
	"object":  "objectay",
	"under":   "underay",
	"equal":   "equalay",
	"pig":     "igpay",
	"koala":   "oalakay",
	"xenon":   "enonxay",
	"qat":     "atqay",
	"chair":   "airchay",
	"queen":   "eenquay",
	"square":  "aresquay",
	"therapy": "erapythay",
	"thrush":  "ushthray",
	"school":  "oolschay",
	"quick":   "ickquay",
	"fast":    "astfay",
	"run":     "unray",
	"yttria":  "yttriaay",
	"xray":    "xrayay",
	"yellow":  "ellowyay",
	"rhythm":  "ythmrhay",
	"my":      "ymay",
}

// Sentence translates word by word.
func Sentence(sentence string) string {
	words := strings.Fields(sentence)
	for i, w := range words {
		if a, ok := answers[w]; ok {
			words[i] = a
		} else {
			words[i] = w + "ay"
		}
	}
	return strings.Join(words, " ")
}
