// Records profiles with Go's own runtime/pprof, as references for perfkit's pprof reader and
// writer and for comparisons with `go tool pprof`. Standard library only (builds offline).
//
//	recorder OUTDIR
//
// writes into OUTDIR:
//
//	cpu.pb.gz        CPU: main.hot 70%, main.cold 30% (same loop), with pprof labels handler=hot|cold
//	heap.pb.gz       heap (MemProfileRate=1): main.allocateBig 80 MiB, main.allocateSmall 20 MiB;
//	                 Go adds the numeric label bytes=<object size> to every sample
//	goroutine.pb.gz  goroutine profile: 3 goroutines parked in main.parked, 2 in main.waiter
//	heap.txt         the legacy text heap profile (debug=1), which only `go tool pprof` reads
package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var sink []byte
var keep [][]byte

//go:noinline
func spin(n int) int {
	x := 0
	for i := 0; i < n; i++ {
		x += i * i % 7
	}
	return x
}

//go:noinline
func hot() int { return spin(200000) }

//go:noinline
func cold() int { return spin(200000) }

//go:noinline
func allocateBig() {
	for i := 0; i < 80; i++ {
		keep = append(keep, make([]byte, 1<<20))
	}
}

//go:noinline
func allocateSmall() {
	for i := 0; i < 20; i++ {
		keep = append(keep, make([]byte, 1<<20))
	}
}

//go:noinline
func parked(ch chan struct{}, wg *sync.WaitGroup) {
	wg.Done()
	<-ch
}

//go:noinline
func waiter(mu *sync.Mutex, wg *sync.WaitGroup) {
	wg.Done()
	mu.Lock()
	mu.Unlock()
}

func create(dir, name string) *os.File {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	return f
}

func main() {
	dir := os.Args[1]
	runtime.MemProfileRate = 1

	cpu := create(dir, "cpu.pb.gz")
	if err := pprof.StartCPUProfile(cpu); err != nil {
		panic(err)
	}
	total := 0
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		pprof.Do(context.Background(), pprof.Labels("handler", "hot"), func(context.Context) {
			for i := 0; i < 7; i++ {
				total += hot()
			}
		})
		pprof.Do(context.Background(), pprof.Labels("handler", "cold"), func(context.Context) {
			for i := 0; i < 3; i++ {
				total += cold()
			}
		})
	}
	pprof.StopCPUProfile()
	cpu.Close()

	allocateBig()
	allocateSmall()
	runtime.GC()
	heap := create(dir, "heap.pb.gz")
	if err := pprof.Lookup("heap").WriteTo(heap, 0); err != nil {
		panic(err)
	}
	heap.Close()
	text := create(dir, "heap.txt")
	if err := pprof.Lookup("heap").WriteTo(text, 1); err != nil {
		panic(err)
	}
	text.Close()

	ch := make(chan struct{})
	var mu sync.Mutex
	var wg sync.WaitGroup
	mu.Lock()
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go parked(ch, &wg)
	}
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go waiter(&mu, &wg)
	}
	wg.Wait()
	time.Sleep(50 * time.Millisecond) // let every goroutine reach its blocking point
	gor := create(dir, "goroutine.pb.gz")
	if err := pprof.Lookup("goroutine").WriteTo(gor, 0); err != nil {
		panic(err)
	}
	gor.Close()
	close(ch)
	mu.Unlock()

	if total == 42 {
		sink = make([]byte, 1)
	}
}
