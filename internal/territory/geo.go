package territory

import "math"

// earthRadius is the mean Earth radius in metres (IUGG).
const earthRadius = 6371008.8

// Distance returns the great-circle distance in metres between two WGS 84
// points given in degrees (haversine formula on a sphere of the mean Earth
// radius; within 0.5 % of the ellipsoidal distance).
func Distance(aLat, aLon, bLat, bLon float64) float64 {
	const rad = math.Pi / 180
	dLat := (bLat - aLat) * rad
	dLon := (bLon - aLon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(aLat*rad)*math.Cos(bLat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Sqrt(min(1, h)))
}

// Box is a latitude/longitude rectangle in degrees.
type Box struct {
	Name                     string // "metropole" or an overseas département code
	South, West, North, East float64
}

// Contains reports whether the point lies in the box (edges included).
func (b Box) Contains(lat, lon float64) bool {
	return lat >= b.South && lat <= b.North && lon >= b.West && lon <= b.East
}

// franceBoxes hold metropolitan France with Corsica and the five overseas
// départements, with a margin of a few kilometres for the coasts and
// offshore sites. They are coarse: a border region of a neighbour may fall
// inside.
var franceBoxes = []Box{
	{"metropole", 41.2, -5.4, 51.3, 9.8},
	{"971", 15.75, -61.95, 16.6, -60.9}, // Guadeloupe
	{"972", 14.3, -61.3, 14.95, -60.75}, // Martinique
	{"973", 2.05, -54.7, 5.85, -51.5},   // Guyane
	{"974", -21.45, 55.15, -20.8, 55.9}, // La Réunion
	{"976", -13.1, 44.9, -12.55, 45.35}, // Mayotte
}

// FranceBoxes returns the rectangles InFrance accepts.
func FranceBoxes() []Box { return append([]Box(nil), franceBoxes...) }

// InFrance reports whether a WGS 84 point falls in metropolitan France or
// an overseas département: a quick sanity check for coordinates given by
// users (for instance to catch swapped latitude and longitude).
func InFrance(lat, lon float64) bool {
	for _, b := range franceBoxes {
		if b.Contains(lat, lon) {
			return true
		}
	}
	return false
}
