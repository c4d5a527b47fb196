// Command edgegateway is the grpc-gateway peer of bench/edge: REST/JSON from the same google.api.http
// annotations, proxied to the tickmesh gRPC backend. Like the platform's services it trusts the
// x-tenant-id header it forwards (no authentication: the peer of the edge's cheapest path).
// Prints {"port":N} on stdout once it listens; exits when stdin closes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	executionv1 "tickmesh.bench/edgegateway/gen/tickmesh/execution/v1"
	marketdatav1 "tickmesh.bench/edgegateway/gen/tickmesh/marketdata/v1"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "HTTP address to serve REST on")
	backend := flag.String("backend", "127.0.0.1:50051", "tickmesh gRPC address")
	flag.Parse()

	conn, err := grpc.NewClient(*backend, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("dial %s: %v", *backend, err)
	}
	defer conn.Close()

	mux := runtime.NewServeMux(runtime.WithIncomingHeaderMatcher(func(key string) (string, bool) {
		if strings.EqualFold(key, "x-tenant-id") {
			return "x-tenant-id", true
		}
		return runtime.DefaultHeaderMatcher(key)
	}))
	ctx := context.Background()
	if err := marketdatav1.RegisterMarketDataServiceHandler(ctx, mux, conn); err != nil {
		log.Fatal(err)
	}
	if err := executionv1.RegisterExecutionServiceHandler(ctx, mux, conn); err != nil {
		log.Fatal(err)
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]int{"port": ln.Addr().(*net.TCPAddr).Port})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	log.Fatal(http.Serve(ln, mux))
}
