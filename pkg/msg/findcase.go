package msg

// The messages of a search for a case by a suspect's name (service.FindCase).
const (
	// FindUnit: the search names no procuratorate.
	FindUnit Text = "请选择办案检察院 (choose the procuratorate)"
	// FindDefendant: the search names no suspect or defendant.
	FindDefendant Text = "请填写犯罪嫌疑人/被告人的完整姓名 (give the suspect's or defendant's full name)"
	// FindTooOften: too many searches found nothing (the allowance, the
	// minutes until one more).
	FindTooOften Text = "查找未果的次数过多（最多 %d 次），请 %d 分钟后再试，或向办案检察院询问案号 (too many searches found nothing; try again later or ask the procuratorate for the case number)"
)
