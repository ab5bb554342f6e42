// Command tollgate is the Tollgate gateway: `tollgate serve` runs it; the other
// subcommands are the CLI over the admin API.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	err := rootCmd().Execute()
	if u, ok := errors.AsType[*usageError](err); ok {
		fmt.Fprintf(os.Stderr, "tollgate: %v\nRun '%s --help' for usage.\n", u.err, u.cmd.CommandPath())
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tollgate:", err)
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "tollgate",
		Short:         "Self-hosted gateway for teams that share LLM providers and MCP servers",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd())
	addCLI(root)
	return root
}
