package pdffile

import (
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// NewStream adds a Flate-compressed stream object to xt, its dictionary
// holding d's entries too.
func NewStream(xt *model.XRefTable, content []byte, d types.Dict) (types.IndirectRef, error) {
	sd, err := xt.NewStreamDictForBuf(content)
	if err != nil {
		return types.IndirectRef{}, err
	}
	for k, v := range d {
		sd.Dict[k] = v
	}
	if err := sd.Encode(); err != nil {
		return types.IndirectRef{}, err
	}
	ref, err := xt.IndRefForNewObject(*sd)
	if err != nil {
		return types.IndirectRef{}, err
	}
	return *ref, nil
}

// FlateStream is a Flate-compressed stream object (not added to any
// table), its dictionary holding d's entries too.
func FlateStream(content []byte, d types.Dict) (types.StreamDict, error) {
	sd := types.StreamDict{Dict: types.Dict{}, Content: content, FilterPipeline: []types.PDFFilter{{Name: "FlateDecode"}}}
	for k, v := range d {
		sd.Dict[k] = v
	}
	sd.Dict["Filter"] = types.Name("FlateDecode")
	if err := sd.Encode(); err != nil {
		return types.StreamDict{}, err
	}
	return sd, nil
}
