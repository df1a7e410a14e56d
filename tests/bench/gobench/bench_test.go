// Real Go benchmarks whose `go test -bench -benchmem -count 10` output is part of perfkit's
// benchstat corpus (tests/bench/corpus/go-*.txt). GOBENCH_VARIANT=new switches two of them to a
// faster implementation, so the two recorded runs really differ. Not part of perfkit.
package gobench

import (
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var newVariant = os.Getenv("GOBENCH_VARIANT") == "new"

var sink interface{}

func join(parts []string) string {
	if newVariant {
		var b strings.Builder
		for i, p := range parts {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(p)
		}
		return b.String()
	}
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += ","
		}
		out += p
	}
	return out
}

func BenchmarkJoin(b *testing.B) {
	for _, n := range []int{8, 64, 512} {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = strconv.Itoa(i)
		}
		b.Run("parts="+strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sink = join(parts)
			}
		})
	}
}

type order struct {
	ID    int      `json:"id"`
	Items []string `json:"items"`
	Total float64  `json:"total"`
}

func BenchmarkEncodeJSON(b *testing.B) {
	o := order{ID: 42, Items: []string{"apple", "pear", "plum", "fig"}, Total: 12.5}
	data, _ := json.Marshal(o)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		sink, _ = json.Marshal(o)
	}
}

func BenchmarkSort(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			data := make([]int, n)
			var comparisons int
			for i := 0; i < b.N; i++ {
				for j := range data {
					data[j] = (j * 7919) % n
				}
				if newVariant {
					sort.Ints(data)
				} else {
					sort.Slice(data, func(a, c int) bool { comparisons++; return data[a] < data[c] })
				}
			}
			b.ReportMetric(float64(comparisons)/float64(b.N), "compares/op")
		})
	}
}

func BenchmarkMapInsert(b *testing.B) {
	for i := 0; i < b.N; i++ {
		m := make(map[int]int)
		for j := 0; j < 100; j++ {
			m[j] = j
		}
		sink = m
	}
}
