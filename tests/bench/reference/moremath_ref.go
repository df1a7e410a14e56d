// moremath_ref prints what go-moremath (the statistics under Go's benchstat) computes for the
// cases given as JSON on stdin, so perfkit's statistics can be compared with it bit for bit.
// Built and run by tests/bench/make_benchstat_reference.py; not part of perfkit.
package main

import (
	"encoding/json"
	"math"
	"os"

	"github.com/aclements/go-moremath/mathx"
	"github.com/aclements/go-moremath/stats"
)

type utestCase struct {
	X []float64 `json:"x"`
	Y []float64 `json:"y"`
}

type ciCase struct {
	N          int     `json:"n"`
	Q          float64 `json:"q"`
	Confidence float64 `json:"confidence"`
}

type input struct {
	UTests []utestCase `json:"utests"`
	CIs    []ciCase    `json:"cis"`
	Math   []float64   `json:"math"` // arguments for math.Log and math.Exp
}

type utestResult struct {
	U     float64 `json:"u"`
	P     string  `json:"p"` // exact bits as a hex float, or "equal" when the samples are all equal
	Error string  `json:"error,omitempty"`
}

type ciResult struct {
	Lo         int     `json:"lo"`
	Hi         int     `json:"hi"`
	Confidence float64 `json:"coverage"`
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := struct {
		UTests []utestResult `json:"utests"`
		CIs    []ciResult    `json:"cis"`
		Choose [][]string    `json:"choose"` // mathx.Choose(n, k) bits for n = 0..60
		Log    []string      `json:"log"`
		Exp    []string      `json:"exp"`
		GeoMean []string     `json:"geomean"` // stats.GeoMean of each utest case's x
	}{}
	for _, x := range in.Math {
		out.Log = append(out.Log, hexFloat(math.Log(x)))
		out.Exp = append(out.Exp, hexFloat(math.Exp(x)))
	}
	for _, c := range in.UTests {
		out.GeoMean = append(out.GeoMean, hexFloat(stats.GeoMean(c.X)))
	}
	for n := 0; n <= 60; n++ {
		var row []string
		for k := 0; k <= n; k++ {
			row = append(row, hexFloat(mathx.Choose(n, k)))
		}
		out.Choose = append(out.Choose, row)
	}
	for _, c := range in.UTests {
		res, err := stats.MannWhitneyUTest(c.X, c.Y, stats.LocationDiffers)
		if err != nil {
			out.UTests = append(out.UTests, utestResult{Error: err.Error()})
			continue
		}
		out.UTests = append(out.UTests, utestResult{U: res.U, P: hexFloat(res.P)})
	}
	for _, c := range in.CIs {
		r := stats.QuantileCI(c.N, c.Q, c.Confidence)
		out.CIs = append(out.CIs, ciResult{r.LoOrder, r.HiOrder, r.Confidence})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}

func hexFloat(x float64) string {
	if math.IsNaN(x) {
		return "nan"
	}
	b := math.Float64bits(x)
	return "0x" + string(hexDigits(b))
}

func hexDigits(b uint64) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 16)
	for i := 15; i >= 0; i-- {
		out[i] = digits[b&15]
		b >>= 4
	}
	return out
}
