package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/tollgate-dev/tollgate/token"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("setup: want a subcommand: operator-token or provision")
	}
	switch args[0] {
	case "operator-token":
		tok, err := token.New(token.Operator, token.OperatorWorkspace)
		if err != nil {
			return err
		}
		fmt.Println(tok)
		return nil
	case "provision":
		tok, err := provision(args[1:])
		if err != nil {
			return err
		}
		fmt.Println(tok)
		return nil
	}
	return fmt.Errorf("setup: unknown subcommand %q (want operator-token or provision)", args[0])
}
