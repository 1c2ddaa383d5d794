package msg

// The messages of a search inside a dossier (service.SearchDossier).
const (
	// SearchQuery: nothing to search for.
	SearchQuery Text = "请输入要在卷宗中查找的字词 (enter the words to find in the dossier)"
)
