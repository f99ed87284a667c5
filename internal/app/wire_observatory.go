package app

// observatoryParts holds the observatory capability's services (see its issue). Its wiring
// registers in this file's init with register(capability{…}).
type observatoryParts struct{}
