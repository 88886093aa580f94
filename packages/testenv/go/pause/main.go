// The sandbox ("pause") process of every Pod on the test node: it holds the Pod's namespaces
// open, reaps the zombies of a shared PID namespace, and exits on SIGINT or SIGTERM. Built
// static (CGO_ENABLED=0) by scripts/build-binaries.sh and packed into an OCI image by
// src/node/images.ts, because no image can be pulled on the test machines.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
