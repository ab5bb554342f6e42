package main

import (
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/valyala/fasthttp"
)

// body is the fixed response, shaped like an OpenAI chat completion with a
// usage block so a gateway that meters LLM traffic finds tokens to count.
var body = []byte(`{"id":"chatcmpl-bench0000000000000000000001","object":"chat.completion",` +
	`"created":1767225600,"model":"bench-model","choices":[{"index":0,"message":` +
	`{"role":"assistant","content":"Hello from the mock upstream."},` +
	`"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":7,` +
	`"total_tokens":16}}`)

// handle answers every request the same way. It does not read the request
// body beyond what fasthttp already parsed, and allocates nothing.
func handle(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	flag.Parse()
	ln, err := net.Listen("tcp4", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	srv := &fasthttp.Server{Handler: handle, Name: "bench-upstream", NoDefaultDate: true}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(1)
	}
}
