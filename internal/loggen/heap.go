package loggen

// The scheduler's priority queue: messages ordered by (at, seq).

func less(a, b *message) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

func (s *sim) push(m *message) {
	s.seq++
	m.seq = s.seq
	s.heap = append(s.heap, m)
	s.up(len(s.heap) - 1)
}

func (s *sim) pop() *message {
	h := s.heap
	m := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = nil
	s.heap = h[:last]
	if last > 0 {
		s.down(0)
	}
	return m
}

func (s *sim) up(i int) {
	h := s.heap
	for i > 0 {
		p := (i - 1) / 2
		if !less(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (s *sim) down(i int) {
	h := s.heap
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && less(h[c+1], h[c]) {
			c++
		}
		if !less(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
