-- Covering indexes for the dashboard statistics: each grouped query reads
-- one of them in order, without touching or sorting the tables.
CREATE INDEX obs_communities_area_stats ON obs_communities(departement, epci, members_citizens, members_local_authorities, members_businesses, members_associations);
CREATE INDEX obs_communities_stage ON obs_communities(stage);
CREATE INDEX obs_communities_founding_year ON obs_communities(founding_year);
CREATE INDEX obs_projects_area_stats ON obs_projects(departement, epci, status, capacity_kw);
CREATE INDEX obs_projects_tech_stats ON obs_projects(technology, status, capacity_kw, production_mwh);
-- Their leading columns make these two redundant.
DROP INDEX obs_communities_departement;
DROP INDEX obs_projects_technology;
