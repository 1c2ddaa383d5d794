package notify

import "testing"

func TestWho(t *testing.T) {
	cases := []struct{ name, firm, phone, want string }{
		{"张律师", "某某律师事务所", "13800000000", "张律师（某某律师事务所，电话 13800000000）"},
		{"张律师", "", "13800000000", "张律师（电话 13800000000）"},
		{"张律师", "某某律师事务所", "", "张律师（某某律师事务所）"},
		{"张律师", "", "", "张律师"},
	}
	for _, c := range cases {
		if got := Who(c.name, c.firm, c.phone); got != c.want {
			t.Errorf("Who(%q, %q, %q) = %q, want %q", c.name, c.firm, c.phone, got, c.want)
		}
	}
}
