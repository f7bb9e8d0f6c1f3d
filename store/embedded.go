package store

import "fmt"

// maxChain bounds the walk up a chain of embedded places: a damaged record
// pointing at itself must not loop.
const maxChain = 64

// Outermost follows an embedded place's Parent keys up to the evidence's
// own file holding it and returns that file's place with the member names
// leading down from it, outermost first. A place that is not embedded is
// its own outermost, with no names.
func (s *Store) Outermost(o Occurrence) (Occurrence, []string, error) {
	var names []string
	for range maxChain {
		if !o.Embedded {
			return o, names, nil
		}
		names = append([]string{o.Member}, names...)
		p, ok, err := s.Occurrence(o.Parent)
		if err != nil {
			return o, nil, err
		}
		if !ok {
			return o, nil, fmt.Errorf("%s: the file holding it is not recorded", o.Path)
		}
		o = p
	}
	return o, nil, fmt.Errorf("%s: more than %d containers deep", o.Path, maxChain)
}
