package deadline

// OnTimeRate is the share of what fell due that was answered on time:
// onTime / (answered + openOverdue), where answered counts late answers too;
// 1 when nothing was due. Application and complaint statistics use it for
// one unit and for the totals across units alike.
func OnTimeRate(onTime, answered, openOverdue int) float64 {
	if d := answered + openOverdue; d > 0 {
		return float64(onTime) / float64(d)
	}
	return 1
}
