// A Go service with net/http/pprof, for perfkit profile --url against Go.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

var sink int

func spinGoHotLoop() {
	for {
		for i := 0; i < 1000000; i++ {
			sink += i * i % 7
		}
	}
}

func main() {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go spinGoHotLoop()
	fmt.Printf("READY http://%s\n", listener.Addr())
	os.Stdout.Sync()
	go func() { time.Sleep(120 * time.Second); os.Exit(0) }()
	http.Serve(listener, nil)
}
