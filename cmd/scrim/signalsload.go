package main

import (
	"fmt"
	"os"
	"path/filepath"

	"scrim/signals"
	"scrim/signals/models"
)

// loadSignalModels finds and loads the signals models: dir when given,
// else models.Locate's places ($SCRIM_MODELS, .cache/models).
func loadSignalModels(dir string) (signals.Analyzer, error) {
	if dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "blazeface.json")); err != nil {
			return nil, fmt.Errorf("%w in %s (--models)", models.ErrNotFound, dir)
		}
	} else {
		var err error
		if dir, err = models.Locate(""); err != nil {
			return nil, err
		}
	}
	return models.Load(dir)
}
