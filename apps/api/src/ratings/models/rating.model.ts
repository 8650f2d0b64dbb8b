import { Field, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('Rating', { description: "The visitor's CSAT rating of a closed chat session." })
export class RatingModel {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: '1 (very unsatisfied) to 5 (very satisfied).' })
  score!: number;

  @Field(() => String, { nullable: true })
  comment?: string | null;

  @Field(() => Date)
  createdAt!: Date;
}
