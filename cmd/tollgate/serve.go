package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/config"
)

func serveCmd() *cobra.Command {
	var path string
	var dev bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway: the data listener and the admin listener",
		Example: `  tollgate serve --dev                      # demo upstreams, demo workspace, no other service
  tollgate serve --config /etc/tollgate/tollgate.yaml
  TOLLGATE_REDIS_URL=redis://10.0.0.5:6379 tollgate serve --config tollgate.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(path, os.LookupEnv)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return run(ctx, cfg, path, dev, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "YAML config file (default: built-in defaults plus TOLLGATE_* environment)")
	cmd.Flags().BoolVar(&dev, "dev", false, "start demo upstreams and a demo workspace, and print tokens and a curl line")
	return cmd
}

// run starts the app and blocks until ctx ends, then shuts down gracefully.
// SIGHUP reloads the pricing section of the config file at path.
func run(ctx context.Context, cfg *config.Config, path string, dev bool, out interface{ Write([]byte) (int, error) }) error {
	a, err := newApp(ctx, cfg, path, dev)
	if err != nil {
		return err
	}
	defer reloadOnSIGHUP(ctx, a.pricing)()
	if err := a.start(); err != nil {
		a.close()
		return err
	}
	if dev {
		if err := a.bootstrapDev(ctx, out); err != nil {
			a.shutdown()
			return fmt.Errorf("dev bootstrap: %w", err)
		}
	}
	a.log.Info("tollgate serving", "data", a.dataAddr, "admin", a.adminAddr, "store", a.storeName)
	select {
	case <-ctx.Done():
		a.log.Info("tollgate stopping", "grace", cfg.ShutdownGrace)
		return a.shutdown()
	case err := <-a.served:
		a.log.Error("listener failed", "err", err)
		return errors.Join(err, a.shutdown())
	}
}
