// Package cliconfig stores the tollgate CLI's login: the admin API address and
// the token, in $XDG_CONFIG_HOME/tollgate/config.json (or
// ~/.config/tollgate/config.json), a file of mode 0600 in a directory of mode
// 0700, because the token is a secret.
package cliconfig
